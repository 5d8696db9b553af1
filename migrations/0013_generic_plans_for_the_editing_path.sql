-- The general editing path's statements are planned once per connection instead of at every call.
--
-- Inside a PL/pgSQL function, a statement with parameters is given a custom plan for each call
-- for as long as the planner estimates a generic plan to cost more. For the statements that
-- open a change set (the tile, its features by key, their neighbours through the spatial index)
-- and write it (each feature and its history by key, the tile, the event), it kept doing so: the
-- planning cost more than the statements themselves. Measured on one connection, on copies of
-- the demo database, three alternating runs of 300 change sets of two features each: opening
-- 0.53-0.67 ms a call with a plan each time, 0.30-0.41 ms with plans kept; writing (with the
-- quality controls' read) 0.85-1.06 ms and 0.75-1.01 ms. Their plans are the same either
-- way: lookups by primary key, and the spatial index for the neighbours (each also restricted to
-- the tile by a filter).
--
-- A plan kept for the connection's life must not depend on how big the tables were when it was
-- made (a generic plan made while the features table was nearly empty would scan it whole), so,
-- as for the quality controls' read (migration 0011), only index paths are considered: every
-- statement here has an index on its full key. The settings hold while the function runs, for
-- every statement of the functions it calls. The grouped class path keeps custom plans: the sizes
-- of its arrays matter to it.
ALTER FUNCTION tessera_edit_begin(integer, text, text, bigint[], double precision, double precision,
                                  double precision, double precision, double precision, integer)
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_bitmapscan = off;
ALTER FUNCTION tessera_edit_write(integer, text, integer, text, integer, bigint[], text[], text[], boolean[],
                                  text[], bigint[], bigint[], integer, integer, double precision)
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_bitmapscan = off;
