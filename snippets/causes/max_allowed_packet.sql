-- --8<-- [start:check]
SHOW GLOBAL VARIABLES LIKE 'max_allowed_packet';
-- --8<-- [end:check]

-- --8<-- [start:raise]
SET GLOBAL max_allowed_packet = 256 * 1024 * 1024;
-- --8<-- [end:raise]
