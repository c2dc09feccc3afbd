-- Independent cross-check in sqlite3 of the Maven CRM export broken down
-- by quarter of engagement (the export's stand-in for the creation date),
-- for TestSegmentMaven in segment_test.go: rows, won, lost and won value
-- per quarter; deals never engaged have no quarter.
-- Run from the repository root (the CSV files have CRLF line endings):
--   mkdir -p /tmp/mavencheck
--   tr -d '\r' < testdata/maven-crm/sales_pipeline.csv > /tmp/mavencheck/sales_pipeline.csv
--   sqlite3 :memory: < testdata/segment/maven_quarters.sql
.bail on
.import --csv /tmp/mavencheck/sales_pipeline.csv pipeline
.headers on
.mode list
.separator " | "
SELECT CASE WHEN engage_date='' THEN '(unknown)'
            ELSE substr(engage_date,1,4)||'-Q'||((CAST(substr(engage_date,6,2) AS INTEGER)+2)/3) END AS quarter,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline GROUP BY 1 ORDER BY 1;
