-- The index of stored quality issues by project and code is dropped: no statement reads issues by
-- code. Every read is by tile (the primary key's prefix), and the dashboards' rebuild reads a
-- project's issues whole. It was kept up to date on every issue written: about three per polygon
-- of a raw prediction at import.
DROP INDEX qc_issue_code_idx;
