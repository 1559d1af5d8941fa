-- Sign-in hardening.
--
-- Sign-in attempts are counted here rather than in the API process's memory, so that a
-- guesser cannot reset them by waiting for a restart or spread them over several API
-- processes. One row per login and per client address: a fixed window and the attempts in
-- it (an attempt counts from the moment it is checked, so concurrent guesses count too).
CREATE TABLE sign_in_attempts (
    scope        text NOT NULL CHECK (scope IN ('login', 'address')),
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    attempts     integer NOT NULL CHECK (attempts >= 0),
    PRIMARY KEY (scope, key)
);
CREATE INDEX sign_in_attempts_window_idx ON sign_in_attempts(window_start);

-- Raised on every password change; a session remembers the version it was signed in
-- with and is worthless once it differs, so a change ends every other session.
ALTER TABLE people ADD COLUMN credentials_version integer NOT NULL DEFAULT 0;

-- Personal API tokens expire. Tokens made before expiry existed get 90 days from now.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
