package api

import (
	"net/http"

	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/rectification"
)

func (s *server) listBulletins(r *http.Request, a auth.Actor) (rectification.BulletinList, error) {
	return s.Rectification.ListBulletins(r.Context(), a)
}

// publishBulletin starts a bulletin of the caller's department now and answers at once.
func (s *server) publishBulletin(r *http.Request, a auth.Actor) (rectification.Publishing, error) {
	return s.Rectification.PublishBulletin(r.Context(), a)
}

func (s *server) getBulletin(r *http.Request, a auth.Actor) (bulletin.Bulletin, error) {
	id, err := pathID(r, "id", "bulletin_id")
	if err != nil {
		return bulletin.Bulletin{}, err
	}
	return s.Rectification.GetBulletin(r.Context(), a, id)
}

func (s *server) bulletinXLSX(r *http.Request, a auth.Actor) (rectification.Download, error) {
	id, err := pathID(r, "id", "bulletin_id")
	if err != nil {
		return rectification.Download{}, err
	}
	return s.Rectification.BulletinSheet(r.Context(), a, id)
}
