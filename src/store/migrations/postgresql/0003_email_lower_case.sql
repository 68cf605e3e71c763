-- twitchwatch schema version 3 (PostgreSQL): therapists' e-mails are kept with ASCII letters in
-- lower case (store::normalized_email), so a login typed in another case finds its account.
-- translate() rather than lower(): lower() follows the database's locale beyond ASCII, and the
-- service normalises ASCII letters only. Accounts that differ only in case would make this fail
-- on the UNIQUE constraint, and the server would not start; before this version accounts could
-- only be made by the demo loader, so no database holds such a pair.
UPDATE therapists
SET email = translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
