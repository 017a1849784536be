-- kiebot_require raises when ok is false. A pipelined batch of statements
-- runs as one implicit transaction; raising in its first statement rolls
-- the whole batch back (used to apply an update's writes exactly once).
CREATE FUNCTION kiebot_require(ok boolean, message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION '%', message;
    END IF;
END
$$;
