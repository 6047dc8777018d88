-- Tokens may carry an end: a token given for a course, a contractor's week or a drill stops working at
-- expires_at without anyone having to remember to revoke it. NULL keeps the old meaning: valid until
-- revoked.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
