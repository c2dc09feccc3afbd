-- Independent cross-check, in sqlite3, of the bottleneck figures of the
-- Maven CRM export that TestMaven (maven_test.go) expects: the deals as of
-- 2018-01-01, open deals valued at their product's list price (as
-- examples/forecast does), stalled after 90 days in their stage.
-- Run from the repository root:
--   mkdir -p /tmp/tgtmaven
--   for f in sales_pipeline products; do
--     tr -d '\r' < testdata/maven-crm/$f.csv > /tmp/tgtmaven/$f.csv; done
--   sqlite3 :memory: < target/testdata/maven.sql
-- The export ends on 2017-12-31, so no deal changes after the as-of time.
-- Prospecting deals have no date: they entered Prospecting at an unknown
-- time; every other deal entered Prospecting (implied, untimed) and then
-- Engaging on its engage_date.
.bail on
.import --csv /tmp/tgtmaven/sales_pipeline.csv pipeline
.import --csv /tmp/tgtmaven/products.csv products
.headers on
.mode list
.separator " | "

CREATE VIEW deals AS
SELECT p.*, CASE WHEN deal_stage IN ('Prospecting', 'Engaging')
                 THEN (SELECT sales_price FROM products WHERE replace(products.product, ' ', '') = replace(p.product, ' ', ''))
                 ELSE close_value END AS amount
FROM pipeline p;

.print == steps: reached, pending, decided ==
SELECT COUNT(*) AS reached_prospecting,
       SUM(deal_stage <> 'Prospecting') AS reached_engaging,
       SUM(deal_stage = 'Won') AS won,
       SUM(deal_stage = 'Prospecting') AS pending_prospecting,
       SUM(deal_stage = 'Engaging') AS pending_engaging,
       SUM(deal_stage <> 'Engaging' AND deal_stage <> 'Prospecting') AS decided_engaging
FROM deals;

.print == leakage and open pipeline by stage ==
SELECT deal_stage, COUNT(*) AS n, SUM(CAST(amount AS INTEGER)) AS amount FROM deals GROUP BY deal_stage ORDER BY deal_stage;

.print == stalled: open in Engaging since before 2017-10-03 (more than 90 days before 2018-01-01) ==
SELECT COUNT(*) AS stalled, SUM(CAST(amount AS INTEGER)) AS stalled_value FROM deals
WHERE deal_stage = 'Engaging' AND engage_date < '2017-10-03';
SELECT COUNT(*) AS exactly_90_days FROM deals WHERE deal_stage = 'Engaging' AND engage_date = '2017-10-03';

.print == median latest time in Engaging, in days (to the close, or to 2018-01-01 for open deals) ==
CREATE TABLE t AS SELECT julianday(CASE WHEN deal_stage = 'Engaging' THEN '2018-01-01' ELSE close_date END) - julianday(engage_date) AS d
FROM deals WHERE deal_stage <> 'Prospecting' ORDER BY d;
SELECT COUNT(*) AS n, (SELECT d FROM t ORDER BY d LIMIT 1 OFFSET (SELECT (COUNT(*) - 1) / 2 FROM t)) AS lower_middle,
       (SELECT d FROM t ORDER BY d LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM t)) AS upper_middle FROM t;
