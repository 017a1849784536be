-- PLACEHOLDER on branch wip/broadcast only — delete this file when merging.
-- Migrations must be numbered without gaps (migrations.Load), and numbers
-- 0005–0008 belong to work on other branches (0008 is the operator
-- console's 0008_console.sql). This empty step lets 0009_broadcasts.sql
-- load and be tested here; it must never reach main or a production
-- database.
SELECT 1;
