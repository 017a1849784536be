-- Placeholder: version 5 is another branch's migration. Migrations are
-- numbered without gaps, so 0006_delivery.sql needs a 0005 to load; when the
-- branches meet, delete this file and keep theirs. Never apply it to a
-- database that will later get the real 0005 (its checksum would differ).
SELECT 1;
