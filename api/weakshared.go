package api

import (
	"net/http"

	"rectify/internal/reachable"
	"rectify/internal/rectification"
)

// What api/weak.go still uses from the rest of the package, until the weak-branch service
// takes its work over.

var (
	refusal      = reachable.Refusal
	workflowGone = reachable.WorkflowGone
	unconfirmed  = reachable.Unconfirmed
)

// attachment sets the headers of a spreadsheet to save as name.
func attachment(w http.ResponseWriter, name string) { attachmentOf(w, rectification.XLSXType, name) }
