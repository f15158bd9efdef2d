-- --8<-- [start:wait_timeout]
SHOW GLOBAL VARIABLES LIKE 'wait_timeout';
-- --8<-- [end:wait_timeout]

-- --8<-- [start:processlist]
SELECT id, user, host, db, command, time
FROM information_schema.PROCESSLIST
WHERE command = 'Sleep'
ORDER BY time DESC;
-- --8<-- [end:processlist]
