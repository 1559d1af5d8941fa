// Package problemlist imports a problem list (问题清单) from an Excel workbook (.xlsx) or a
// CSV file in the "four lists" (四张清单) ledger shape, and turns it into an order.Draft.
//
// Import is two steps. Read checks the file and the layout and returns the measure rows of
// the sheet as raw text; Draft resolves units and people through a Resolver, parses
// deadlines and builds the draft. Each step collects every error it finds (each naming
// sheet, row, column and reason) and returns them together as one apperr.InvalidFields;
// nothing is returned half-converted.
//
// # File
//
// The file type is decided by the file name's extension: .xlsx or .csv. Old .xls files are
// refused (旧版.xls格式不支持，请另存为.xlsx), as are .xlsx files that are not zip
// archives (old .xls content or password-protected workbooks). Files larger than
// Options.MaxBytes (default 20 MiB) are refused. Before excelize opens a workbook its zip
// directory is checked: a total uncompressed size above 200 MiB, more than 10,000 entries,
// or an entry of at least 1 MiB that expands more than 100:1 is refused as a zip bomb
// (文件异常（疑似压缩炸弹），已拒绝). Smaller entries are not held to the ratio because
// they cannot do harm. Sizes declared in the zip directory are also enforced while
// reading, since archive/zip fails an entry that inflates past its declared size.
//
// Only the first worksheet of a workbook (in tab order; chart sheets are skipped) is read,
// with excelize's streaming row iterator. Merged cells are taken from the sheet XML with a
// streaming scan, so a large sheet is never loaded whole. CSV files may carry a UTF-8 BOM;
// CSV files that are not UTF-8 are read as GB18030 (GBK), the encoding Excel uses when it
// saves CSV on Chinese Windows.
//
// # Layout
//
// The header row is found within the first 10 rows (a title row or blank rows above it are
// fine): it is the row that names the most known columns. Known columns, in any order, with
// the synonyms accepted for each (whitespace, full-width spaces, "*" marks and bracketed
// notes such as "（必填）" in header cells are ignored):
//
//	序号        编号 问题序号 问题编号
//	问题 *      问题描述 存在问题 具体问题 问题表现 问题内容 反馈问题
//	问题类别    类别 问题类型 问题分类
//	问题来源    来源
//	整改措施 *  整改举措 措施 具体措施 整改措施内容
//	验收标准 *  完成标准 销号标准 整改标准 整改目标
//	佐证材料    佐证资料 佐证 应提供佐证材料 整改佐证材料
//	牵头单位 *  责任单位 牵头部门 责任部门
//	配合单位    协同单位 配合部门 协办单位
//	第一责任人 * 主要负责人
//	直接责任人  分管负责人 分管领导
//	具体责任人 * 经办人 具体负责人 具体经办人
//	完成时限 *  时限 整改时限 完成时间 整改期限 完成期限
//	整改类型    类型 整改方式
//
// Columns marked * are required; a missing one is an error naming it. Other columns (备注,
// 整改进展 …) are ignored; a known column given twice is an error.
//
// Every row under the header is one measure (措施). A problem with several measures is
// written with its 问题 cell (and 序号, 问题类别, 问题来源) merged down over the measure
// rows; the same problem text repeated on each row, or left blank under the first row
// (continuation), means the same. Rows whose problem and measure columns are all blank are
// skipped. Merged cells may only be used for those four problem columns: a merged range that
// spans rows of any other known column (整改措施, 验收标准, 牵头单位, 完成时限 …) is an
// error, as is a merged range crossing the header row or merging several known columns.
// Merges within a single row are ignored.
//
// # Values
//
// 完成时限 is an Excel date cell, or text "2026-12-31", "2026/12/31", "2026.12.31",
// "2026年12月31日" (a trailing 前 is allowed), or "N个工作日" (counted from issue, 交办) or
// "签收后N个工作日" (from acknowledgement). 整改类型 is 立行立改, 限期整改 (the default when
// empty) or 长期坚持; a 长期坚持 measure lists its checkpoint dates in 完成时限, two or more,
// separated by 、 ; ， or line breaks. 问题来源 is one of 巡察 督查 调研 自查 群众反映. 配合单位 and
// 牵头单位 may list several units separated by 、 ， , ; or line breaks. A person column holds a
// name (姓名) or a position (岗位, e.g. 书记); the Resolver decides which.
//
// # Lead units and targets
//
// An order is issued to its target units, and every measure of the order reaches every
// target, whose lead unit (牵头单位) is the target itself. So one sheet becomes one draft
// only when all its rows name the same set of lead units. The rule is: every row must name
// the same 牵头单位 set (one unit or several, in any order); Targets are those units in the
// order the first row names them. A row naming a different set is an error telling the
// user to import problems with different lead units as separate orders. Rows are never
// silently issued to a unit they do not name.
//
// People are looked up by the Resolver in the row's first lead unit. The order-level
// source is the caller's; a row's 问题来源, when filled, must agree with it (one order has
// one source). When the caller gives none, the rows' 问题来源 must agree and becomes the
// order's source.
//
// Problems are runs of consecutive rows with the same 问题 text; 问题类别 is the first
// non-empty category of the run and must not contradict a later row of the same problem.
package problemlist
