package treestore

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConversations(t *testing.T) {
	db := openTemp(t, nil)
	p := db.Prompts()
	c, err := p.CreateConversation(&Conversation{UserID: "u1", Title: "Lumbar MRI", Tags: []string{"imaging"},
		Metadata: map[string]string{"case": "c1"}})
	if err != nil || c.ID == "" || c.CreatedAt.IsZero() || c.MessageCount != 0 {
		t.Fatalf("CreateConversation = %+v, %v", c, err)
	}
	if _, err := p.CreateConversation(&Conversation{UserID: "u1", Title: "Other"}); err != nil {
		t.Fatal(err)
	}
	m1, err := p.AddMessage(&Message{ConversationID: c.ID, Role: "user", Content: "Is MRI covered?"})
	if err != nil || m1.ID == "" || m1.Role != "user" {
		t.Fatalf("AddMessage = %+v, %v", m1, err)
	}
	if _, err := p.AddMessage(&Message{ConversationID: c.ID, Role: "assistant", Content: "Yes, with criteria."}); err != nil {
		t.Fatal(err)
	}
	if g, err := p.GetConversation(c.ID); err != nil || g.MessageCount != 2 || g.Metadata["case"] != "c1" {
		t.Errorf("GetConversation = %+v, %v", g, err)
	}
	if g, err := p.GetMessage(m1.ID); err != nil || g.Content != "Is MRI covered?" {
		t.Errorf("GetMessage = %+v, %v", g, err)
	}
	ms, err := p.GetMessages(c.ID, Page{Limit: 1})
	if err != nil || len(ms.Items) != 1 || ms.NextCursor == "" || ms.Items[0].ID != m1.ID {
		t.Errorf("GetMessages = %+v, %v", ms, err)
	}
	cwm, err := p.GetConversationWithMessages(c.ID)
	if err != nil || cwm.Conversation.ID != c.ID || len(cwm.Messages) != 2 || cwm.Messages[1].Role != "assistant" {
		t.Errorf("GetConversationWithMessages = %+v, %v", cwm, err)
	}
	if l, err := p.ListConversationsByUser("u1", Page{}); err != nil || len(l.Items) != 2 {
		t.Errorf("ListConversationsByUser = %+v, %v", l, err)
	}
	if l, err := p.ListConversationsByTag("imaging", Page{}); err != nil || len(l.Items) != 1 || l.Items[0].ID != c.ID {
		t.Errorf("ListConversationsByTag = %+v, %v", l, err)
	}
	if l, err := p.ListConversations(ConversationQuery{UserID: "u1", Tag: "imaging"}); err != nil || len(l.Items) != 1 {
		t.Errorf("ListConversations = %+v, %v", l, err)
	}
	u, err := p.UpdateConversation(&Conversation{ID: c.ID, Title: "Renamed", Tags: []string{"x"}})
	if err != nil || u.Title != "Renamed" || u.Tags[0] != "x" {
		t.Errorf("UpdateConversation = %+v, %v", u, err)
	}
	if removed, err := p.DeleteConversation(c.ID); err != nil || !removed {
		t.Errorf("DeleteConversation = %v, %v", removed, err)
	}
	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"CreateConversation nil", func() error { return errOf(p.CreateConversation(nil)) }, ErrInvalidArgument},
		{"UpdateConversation missing", func() error { return errOf(p.UpdateConversation(&Conversation{ID: "nope"})) }, ErrNotFound},
		{"AddMessage nil", func() error { return errOf(p.AddMessage(nil)) }, ErrInvalidArgument},
		{"AddMessage no conversation", func() error { return errOf(p.AddMessage(&Message{ConversationID: "nope", Content: "x"})) }, ErrNotFound},
		{"AddMessage bad role", func() error { return errOf(p.AddMessage(&Message{ConversationID: "nope", Role: "robot"})) }, ErrInvalidArgument},
		{"GetConversation missing", func() error { return errOf(p.GetConversation(c.ID)) }, ErrNotFound},
		{"GetMessage missing", func() error { return errOf(p.GetMessage("nope")) }, ErrNotFound},
		{"GetConversationWithMessages missing", func() error { return errOf(p.GetConversationWithMessages("nope")) }, ErrNotFound},
		{"GetMessages negative", func() error { return errOf(p.GetMessages("x", Page{Limit: -1})) }, ErrInvalidArgument},
		{"ListConversations negative", func() error { return errOf(p.ListConversations(ConversationQuery{Limit: -1})) }, ErrInvalidArgument},
		{"DeleteConversation missing", func() error { return errOf(p.DeleteConversation("nope")) }, nil},
	})
}

func TestPromptTemplatesAndUsage(t *testing.T) {
	db := openTemp(t, nil)
	p := db.Prompts()
	v1, err := p.CreatePromptTemplate(&PromptTemplate{Name: "triage", Template: "Hello {{name}}, case {{case}}.",
		Config: json.RawMessage(`{"temperature":0.2}`), CommitMessage: "first", Labels: []string{"prod"}})
	if err != nil || v1.Version != 1 || strings.Join(v1.Variables, ",") != "name,case" || string(v1.Config) != `{"temperature":0.2}` {
		t.Fatalf("CreatePromptTemplate = %+v, %v", v1, err)
	}
	v2, err := p.CreatePromptTemplate(&PromptTemplate{Name: "triage", Template: "Hi {{name}} about {{topic}}."})
	if err != nil || v2.Version != 2 {
		t.Fatalf("second version = %+v, %v", v2, err)
	}
	for _, tc := range []struct {
		version int
		label   string
		want    int
	}{{0, "", 2}, {1, "", 1}, {0, "prod", 1}} {
		got, err := p.GetPromptTemplate("triage", tc.version, tc.label)
		if err != nil || got.Version != tc.want {
			t.Errorf("GetPromptTemplate(%d, %q) = %+v, %v", tc.version, tc.label, got, err)
		}
	}
	if l, err := p.ListPromptVersions("triage", Page{}); err != nil || len(l.Items) != 2 || l.Items[0].Version != 2 {
		t.Errorf("ListPromptVersions = %+v, %v", l, err)
	}
	if err := p.SetPromptLabel("triage", "staging", 2); err != nil {
		t.Fatal(err)
	}
	infos, err := p.ListPrompts(Page{})
	if err != nil || len(infos.Items) != 1 || infos.Items[0].LatestVersion != 2 || len(infos.Items[0].Labels) != 2 {
		t.Errorf("ListPrompts = %+v, %v", infos, err)
	}
	text, err := p.RenderPrompt("triage", 1, "", map[string]any{"name": "Ann", "case": 42})
	if err != nil || text != "Hello Ann, case 42." {
		t.Errorf("RenderPrompt = %q, %v", text, err)
	}
	text, err = p.RenderPrompt("triage", 0, "staging", map[string]any{"name": "Bo", "topic": "fees"})
	if err != nil || text != "Hi Bo about fees." {
		t.Errorf("RenderPrompt by label = %q, %v", text, err)
	}
	diff, err := p.DiffPrompt("triage", 1, 2)
	if err != nil || len(diff.Lines) == 0 || strings.Join(diff.VariablesAdded, ",") != "topic" ||
		strings.Join(diff.VariablesRemoved, ",") != "case" || string(diff.FromConfig) != `{"temperature":0.2}` || diff.ToConfig != nil {
		t.Errorf("DiffPrompt = %+v, %v", diff, err)
	}
	if removed, err := p.RemovePromptLabel("triage", "staging"); err != nil || !removed {
		t.Errorf("RemovePromptLabel = %v, %v", removed, err)
	}

	u, err := p.RecordUsage(&PromptUsage{PromptName: "triage", PromptVersion: 1, Variables: map[string]string{"name": "Ann"},
		Response: "ok", LatencyMS: 120, InputTokens: 10, OutputTokens: 5, CaseID: "c1"})
	if err != nil || u.UsageID == "" || u.Score != nil || u.LatencyMS != 120 {
		t.Fatalf("RecordUsage = %+v, %v", u, err)
	}
	score := 0.75
	if s, err := p.ScoreUsage(u.UsageID, &score); err != nil || s.Score == nil || *s.Score != 0.75 {
		t.Errorf("ScoreUsage = %+v, %v", s, err)
	}
	if g, err := p.GetUsage(u.UsageID); err != nil || g.CaseID != "c1" || g.Variables["name"] != "Ann" {
		t.Errorf("GetUsage = %+v, %v", g, err)
	}
	if l, err := p.ListUsage(UsageQuery{PromptName: "triage"}); err != nil || len(l.Items) != 1 {
		t.Errorf("ListUsage = %+v, %v", l, err)
	}
	st, err := p.GetPromptStats("triage", 1)
	if err != nil || st.Count != 1 || st.ScoredCount != 1 || st.MeanScore == nil || *st.MeanScore != 0.75 || st.MeanLatencyMS != 120 {
		t.Errorf("GetPromptStats = %+v, %v", st, err)
	}
	if sl, err := p.ListPromptStats("triage"); err != nil || len(sl) == 0 {
		t.Errorf("ListPromptStats = %+v, %v", sl, err)
	}
	if s, err := p.ScoreUsage(u.UsageID, nil); err != nil || s.Score != nil {
		t.Errorf("ScoreUsage(nil) = %+v, %v", s, err)
	}
	if removed, err := p.DeleteUsage(u.UsageID); err != nil || !removed {
		t.Errorf("DeleteUsage = %v, %v", removed, err)
	}
	if removed, err := p.DeletePrompt("triage"); err != nil || !removed {
		t.Errorf("DeletePrompt = %v, %v", removed, err)
	}

	errOf := func(_ any, err error) error { return err }
	runCalls(t, []call{
		{"CreatePromptTemplate nil", func() error { return errOf(p.CreatePromptTemplate(nil)) }, ErrInvalidArgument},
		{"CreatePromptTemplate no template", func() error { return errOf(p.CreatePromptTemplate(&PromptTemplate{Name: "x"})) }, ErrInvalidArgument},
		{"GetPromptTemplate missing", func() error { return errOf(p.GetPromptTemplate("triage", 0, "")) }, ErrNotFound},
		{"GetPromptTemplate negative", func() error { return errOf(p.GetPromptTemplate("triage", -1, "")) }, ErrInvalidArgument},
		{"GetPromptTemplate version and label", func() error {
			if _, err := p.CreatePromptTemplate(&PromptTemplate{Name: "t2", Template: "x"}); err != nil {
				return err
			}
			return errOf(p.GetPromptTemplate("t2", 1, "prod"))
		}, ErrInvalidArgument},
		{"SetPromptLabel missing version", func() error { return p.SetPromptLabel("t2", "prod", 9) }, ErrNotFound},
		{"RenderPrompt missing variable", func() error {
			if _, err := p.CreatePromptTemplate(&PromptTemplate{Name: "t3", Template: "{{a}}"}); err != nil {
				return err
			}
			return errOf(p.RenderPrompt("t3", 0, "", nil))
		}, ErrInvalidArgument},
		{"RenderPrompt bad variables", func() error { return errOf(p.RenderPrompt("t3", 0, "", map[string]any{"a": func() {}})) }, ErrInvalidArgument},
		{"DiffPrompt missing", func() error { return errOf(p.DiffPrompt("t3", 1, 5)) }, ErrNotFound},
		{"RecordUsage nil", func() error { return errOf(p.RecordUsage(nil)) }, ErrInvalidArgument},
		{"RecordUsage unknown prompt", func() error { return errOf(p.RecordUsage(&PromptUsage{PromptName: "ghost"})) }, ErrNotFound},
		{"ScoreUsage missing", func() error { return errOf(p.ScoreUsage("nope", &score)) }, ErrNotFound},
		{"GetUsage missing", func() error { return errOf(p.GetUsage("nope")) }, ErrNotFound},
		{"ListUsage negative", func() error { return errOf(p.ListUsage(UsageQuery{Limit: -3})) }, ErrInvalidArgument},
		{"GetPromptStats never used", func() error {
			st, err := p.GetPromptStats("ghost", 1)
			if err == nil && st.Count != 0 {
				return invalid("count %d", st.Count)
			}
			return err
		}, nil},
		{"GetPromptStats negative", func() error { return errOf(p.GetPromptStats("ghost", -1)) }, ErrInvalidArgument},
		{"DeletePrompt missing", func() error { return errOf(p.DeletePrompt("ghost")) }, nil},
	})
}
