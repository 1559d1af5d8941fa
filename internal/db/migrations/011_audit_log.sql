-- One refusal for every append-only table, naming the table.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- The general audit trail (审计日志): every state change that is not an item's or a case's
-- own event — orders created and issued, policies, the holiday table, weak-branch decisions,
-- samples and grades, API tokens — written in the same transaction as the change.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      bigint REFERENCES people(id), -- NULL: the system
    actor_unit_id bigint REFERENCES units(id),
    action        text NOT NULL,  -- e.g. order.create, weak.determine, calendar.upload
    subject       text NOT NULL,  -- what changed, e.g. order:12, campaign:3, year:2027
    detail        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject_idx ON audit_log(subject, id);

-- Append-only tables: the audit trails, and the records that must never be rewritten (the
-- draws of sampling checks, the versions of the holiday table). The app's database role has
-- no UPDATE, DELETE or TRUNCATE on any table that carries an append_only trigger (db.Migrate
-- grants by this rule), and cannot drop the triggers since it owns no table.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

DROP TRIGGER item_audit_no_update ON item_audit;
DROP TRIGGER item_audit_no_truncate ON item_audit;
CREATE TRIGGER item_audit_no_update BEFORE UPDATE OR DELETE ON item_audit
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER item_audit_no_truncate BEFORE TRUNCATE ON item_audit
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

DROP TRIGGER weak_case_events_no_update ON weak_case_events;
CREATE TRIGGER weak_case_events_no_update BEFORE UPDATE OR DELETE ON weak_case_events
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER weak_case_events_no_truncate BEFORE TRUNCATE ON weak_case_events
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
DROP FUNCTION item_audit_append_only();

CREATE TRIGGER weak_samples_no_update BEFORE UPDATE OR DELETE ON weak_samples
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER weak_samples_no_truncate BEFORE TRUNCATE ON weak_samples
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

CREATE TRIGGER holiday_versions_no_update BEFORE UPDATE OR DELETE ON holiday_versions
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER holiday_versions_no_truncate BEFORE TRUNCATE ON holiday_versions
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- API tokens are personal: whoever creates or revokes one is its owner. A trigger writes the
-- audit row in the same transaction as the change, whatever code makes it; the hash never
-- reaches the trail.
CREATE FUNCTION audit_api_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (actor_id, actor_unit_id, action, subject, detail)
        VALUES (NEW.person_id, (SELECT unit_id FROM people WHERE id = NEW.person_id), 'token.create',
                'token:' || NEW.id, to_jsonb(NEW) - 'token_hash');
    ELSIF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
        INSERT INTO audit_log (actor_id, actor_unit_id, action, subject, detail)
        VALUES (NEW.person_id, (SELECT unit_id FROM people WHERE id = NEW.person_id), 'token.revoke',
                'token:' || NEW.id, jsonb_build_object('revoked_at', NEW.revoked_at));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER api_tokens_audit AFTER INSERT OR UPDATE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION audit_api_token();
