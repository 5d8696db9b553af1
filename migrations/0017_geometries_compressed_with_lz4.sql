-- Geometries are compressed with LZ4 instead of PostgreSQL's own pglz.
--
-- A polygon larger than about 2 kB is compressed when it is written: a raw prediction's forests
-- and fields with hundreds of vertices. pglz was a sixth of the database's work of an import
-- (273 of 1,701 samples in the database's processes, on the 16 km² sample of the import
-- benchmark); LZ4 takes a tenth of that (35 of 1,597). It compresses less: the sample's 729
-- large polygons, 7.8 MB as written, take 2.6 MB instead of 1.7 MB; the whole feature table
-- holds 15 MB of geometry. Reading them back is faster too.
--
-- Rows already written keep their compression; what is written from now on uses LZ4.
ALTER TABLE feature ALTER COLUMN geom SET COMPRESSION lz4;
ALTER TABLE feature_history ALTER COLUMN geom SET COMPRESSION lz4;
ALTER TABLE prediction_feature ALTER COLUMN geom SET COMPRESSION lz4;
