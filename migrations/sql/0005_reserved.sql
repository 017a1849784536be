-- Reserved: migration 0005 belongs to another branch (this round's
-- migrations are numbered by owner; the operator console's is 0008). The
-- loader refuses gaps, so this branch carries an empty placeholder.
-- DROP THIS FILE WHEN MERGING: the real 0005 takes its place. Never
-- deploy a database migrated with it, or the real file's checksum will be
-- refused at start.
SELECT 1;
