package rectification

import (
	"context"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/order"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// EvidenceInput is a piece of evidence (佐证材料) for an item; File is read only once the
// actor may upload to the item.
type EvidenceInput struct {
	ItemID string
	File   func() (Upload, error)
}

// UploadEvidence stores a piece of evidence of an open item of the actor's own unit; any
// member of the unit but a leader may upload, and the issuer to a closed item it re-checks.
// Identical content is stored once.
func (s *Service) UploadEvidence(ctx context.Context, a auth.Actor, in EvidenceInput) (evidence.File, error) {
	row, err := s.Items.Get(ctx, order.ScopeOf(a), in.ItemID, s.Now())
	if err != nil {
		return evidence.File{}, err
	}
	// The issuer re-checking a closed item (回头看、抽查复核) brings its own evidence.
	recheck := itemmsg.State(row.State) == itemmsg.Closed && row.IssuerUnitID == a.UnitID && role.MayIssue(a.Roles)
	if !recheck && (row.UnitID != a.UnitID || role.ReadsOnly(a.Roles)) {
		return evidence.File{}, apperr.New(apperr.Forbidden, "actor", "只有责任单位人员可以上传佐证材料")
	}
	if !recheck && itemmsg.State(row.State).Terminal() {
		return evidence.File{}, apperr.New(apperr.Conflict, "state", "整改事项"+itemmsg.State(row.State).Label()+"，不能上传佐证材料")
	}
	f, err := in.File()
	if err != nil {
		return evidence.File{}, err
	}
	return s.Evidence.Save(ctx, in.ItemID, f.Name, f.ContentType, f.Body, a.PersonID)
}

// EvidenceFile is a stored piece of evidence of an item the actor sees. Evidence of an item
// they do not see is answered as if it did not exist.
func (s *Service) EvidenceFile(ctx context.Context, a auth.Actor, id int64) (Download, error) {
	f, err := s.Evidence.Get(ctx, id)
	if err != nil {
		return Download{}, err
	}
	if _, err := s.Items.Get(ctx, order.ScopeOf(a), f.ItemID, s.Now()); err != nil {
		return Download{}, apperr.New(apperr.NotFound, "evidence_id", "佐证材料不存在或无权查看")
	}
	fh, err := s.Evidence.Open(f)
	if err != nil {
		return Download{}, err
	}
	return Download{Name: f.Filename, ContentType: f.ContentType, Body: fh, ModTime: f.UploadedAt, SHA256: f.SHA256}, nil
}
