// Package org keeps the organization tree (组织树: units from province down to village,
// community and Party branch) and the people who sign in, and loads both from an input file
// (`rectify org load FILE`).
//
// # The tree in the database
//
// Every unit has a unique code chosen by the people who run the system (usually the
// administrative division code or the Party organization code) and a path, the chain of
// unit ids from the root such as /1/4/17/, so that "this unit and everything below it"
// (一级抓一级) is a single prefix match. Unit.ParentID is 0 for a root unit.
//
// # Input files
//
// An input file is JSON or CSV, chosen by its extension (.json or .csv). Kinds and roles may
// be written as the stored English value or in Chinese (县/县区/区/旗, 乡镇/乡/镇, 街道, 村,
// 社区, 支部/党支部, 机关, 企业, 学校, 省, 市; 组织部干部, 乡镇干部, 支部书记, 领导). A unit's parent
// and a person's unit are given by unit code; the parent may be in the same file or
// already in the database.
//
// JSON:
//
//	{
//	  "units": [
//	    {"code": "330100", "name": "某某县", "kind": "county"},
//	    {"code": "330101", "name": "城关镇", "kind": "乡镇", "parent": "330100"}
//	  ],
//	  "people": [
//	    {"login": "zhangsan", "name": "张三", "unit": "330100", "roles": ["组织部干部"],
//	     "position": "科长", "email": "zs@example.cn", "mobile": "13800000000",
//	     "password": "初始密码"}
//	  ]
//	}
//
// Codes, logins and mobiles may also be JSON numbers; "roles" may also be one string with
// roles separated by ";" or "、". Unknown keys are refused so that a misspelt key is not
// silently ignored. Problems are reported by array position, for example "units[3].parent".
//
// CSV: one file holding both units and people, UTF-8 (a byte order mark is tolerated),
// with a header row naming the columns in any order:
//
//	type,code,name,kind,parent,login,unit,roles,position,email,mobile,password
//	unit,330100,某某县,县,,,,,,,,
//	unit,330101,城关镇,乡镇,330100,,,,,,,
//	person,,张三,,,zhangsan,330100,组织部干部;领导,科长,zs@example.cn,13800000000,初始密码
//
// type is unit or person (also 单位 or 人员); name is the unit's name on a unit row and
// the person's name on a person row; roles are separated by ";" "；" or "、". Columns other
// than type and name may be left out. Chinese headers are accepted: 类型/记录类型 (type),
// 编码/单位编码/代码 (code), 名称/姓名 (name), 单位类型/类别 (kind), 上级/上级单位/上级编码
// (parent), 登录名/账号/用户名 (login), 所属单位/单位 (unit), 角色 (roles), 职务/岗位
// (position), 邮箱/电子邮箱 (email), 手机/手机号 (mobile), 密码/初始密码 (password). Problems
// are reported by line number, for example "第7行 parent".
//
// # Loading
//
// Store.Load checks the whole file against itself and the database and reports every
// problem at once as one apperr.Invalid error whose Fields name the record and the reason;
// when anything is wrong nothing is written. Otherwise it writes everything in one
// transaction: units are matched by code and people by login, created when new and
// otherwise overwritten with the file's values (an empty parent makes a unit a root; empty
// position, email or mobile clear them). A person's password is hashed only when the file
// gives one; otherwise the stored hash is kept. Moving a unit to another parent rewrites
// the paths of its whole subtree.
package org
