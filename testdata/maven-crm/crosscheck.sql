-- Independent cross-check of the Maven CRM export's figures in sqlite3: the
-- numbers that internal/maven/maven_test.go (the report) and
-- segment_test.go (TestSegmentMaven: per sales agent, manager, regional
-- office, product and account sector) expect from the library.
-- Run from the repository root (the CSV files have CRLF line endings):
--   mkdir -p /tmp/mavencheck
--   for f in sales_pipeline sales_teams accounts products; do
--     tr -d '\r' < testdata/maven-crm/$f.csv > /tmp/mavencheck/$f.csv; done
--   sqlite3 :memory: < testdata/maven-crm/crosscheck.sql
.bail on
.import --csv /tmp/mavencheck/sales_pipeline.csv pipeline
.import --csv /tmp/mavencheck/sales_teams.csv teams
.import --csv /tmp/mavencheck/accounts.csv accounts
.import --csv /tmp/mavencheck/products.csv products
.headers on
.mode list
.separator " | "

-- Defensive: any stray CR left anywhere?
SELECT 'rows_with_CR' AS check_name, COUNT(*) AS n FROM pipeline
 WHERE instr(close_value, char(13))>0 OR instr(opportunity_id, char(13))>0;

-- Generic sample table for percentile computation: metric name, value
CREATE TABLE samples(metric TEXT, v REAL);
-- percentile definition PERCENTILE.INC / numpy linear, percent as integer so floor(h) is exact:
--   h = (n-1)*pct/100 ; k = floor(h) = ((n-1)*pct)/100 (integer division) ; frac = ((n-1)*pct % 100)/100
--   value = x[k] + frac*(x[k+1]-x[k])
CREATE VIEW pctl AS
WITH s AS (
  SELECT metric, v,
         ROW_NUMBER() OVER (PARTITION BY metric ORDER BY v) - 1 AS i,
         COUNT(*)     OVER (PARTITION BY metric)              AS n
  FROM samples),
ps(pct) AS (VALUES (25),(50),(75),(90)),
h AS (SELECT DISTINCT s.metric, s.n, ps.pct,
             ((s.n-1)*ps.pct)/100          AS k,
             (((s.n-1)*ps.pct)%100)/100.0  AS frac
      FROM s, ps)
SELECT h.metric, h.pct, h.n, h.k, h.frac, lo.v AS x_k, hi.v AS x_k1,
       lo.v + h.frac*(COALESCE(hi.v, lo.v) - lo.v) AS value
FROM h
JOIN s lo      ON lo.metric=h.metric AND lo.i=h.k
LEFT JOIN s hi ON hi.metric=h.metric AND hi.i=h.k+1;

CREATE VIEW stats AS
SELECT metric, COUNT(*) AS n, SUM(v) AS sum, AVG(v) AS mean, MIN(v) AS min, MAX(v) AS max
FROM samples GROUP BY metric;

.print == 1. Counts ==
SELECT 'total' AS deal_stage, COUNT(*) AS n FROM pipeline;
SELECT deal_stage, COUNT(*) AS n FROM pipeline GROUP BY deal_stage ORDER BY deal_stage;

.print == 2. Win rate ==
SELECT SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost, COUNT(*) AS total,
       printf('%.10f', 1.0*SUM(deal_stage='Won')/(SUM(deal_stage='Won')+SUM(deal_stage='Lost'))) AS win_rate_closed,
       printf('%.10f', 1.0*SUM(deal_stage='Won')/COUNT(*)) AS win_rate_created
FROM pipeline;

-- populate samples
INSERT INTO samples SELECT 'deal_size_won', CAST(close_value AS INTEGER) FROM pipeline WHERE deal_stage='Won';
INSERT INTO samples SELECT 'cycle_won',  CAST(ROUND(julianday(close_date)-julianday(engage_date)) AS INTEGER) FROM pipeline WHERE deal_stage='Won';
INSERT INTO samples SELECT 'cycle_lost', CAST(ROUND(julianday(close_date)-julianday(engage_date)) AS INTEGER) FROM pipeline WHERE deal_stage='Lost';
INSERT INTO samples SELECT 'time_in_engaging',
   CAST(ROUND(julianday(CASE WHEN deal_stage IN ('Won','Lost') THEN close_date ELSE '2018-01-01' END) - julianday(engage_date)) AS INTEGER)
 FROM pipeline WHERE engage_date <> '';
INSERT INTO samples SELECT 'open_engaging_age', CAST(ROUND(julianday('2018-01-01')-julianday(engage_date)) AS INTEGER)
 FROM pipeline WHERE deal_stage='Engaging';

-- sanity checks on data shape
SELECT 'won_or_lost_with_empty_close' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage IN ('Won','Lost') AND (close_date='' OR close_value='' OR engage_date='');
SELECT 'open_with_nonempty_close' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage IN ('Prospecting','Engaging') AND (close_date<>'' OR close_value<>'');
SELECT 'prospecting_with_engage_date' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage='Prospecting' AND engage_date<>'';
SELECT 'engaging_with_empty_engage_date' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage='Engaging' AND engage_date='';
SELECT 'non_integer_close_value_won' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage='Won' AND CAST(CAST(close_value AS INTEGER) AS TEXT)<>close_value;
SELECT 'won_close_value_zero' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage='Won' AND CAST(close_value AS INTEGER)=0;
SELECT 'lost_close_value_nonzero' AS check_name, COUNT(*) AS n FROM pipeline WHERE deal_stage='Lost' AND CAST(close_value AS INTEGER)<>0;
SELECT 'bad_dates' AS check_name, COUNT(*) AS n FROM pipeline WHERE (engage_date<>'' AND julianday(engage_date) IS NULL) OR (close_date<>'' AND julianday(close_date) IS NULL);
SELECT 'negative_cycles' AS check_name, COUNT(*) AS n FROM samples WHERE metric IN ('cycle_won','cycle_lost') AND v<0;
SELECT 'date_ranges' AS check_name, MIN(NULLIF(engage_date,'')) AS min_engage, MAX(engage_date) AS max_engage,
       MIN(NULLIF(close_date,'')) AS min_close, MAX(close_date) AS max_close FROM pipeline;

.print == 3. Deal size (Won, close_value integer) ==
SELECT metric, n, CAST(sum AS INTEGER) AS sum, printf('%.10f', mean) AS mean, CAST(min AS INTEGER) AS min, CAST(max AS INTEGER) AS max
FROM stats WHERE metric='deal_size_won';
SELECT metric, 'p'||pct AS pctl, n, k, frac, CAST(x_k AS INTEGER) AS x_k, CAST(x_k1 AS INTEGER) AS x_k1, printf('%.6f', value) AS value FROM pctl WHERE metric='deal_size_won' ORDER BY pct;

.print == 4. Sales cycle days (close_date - engage_date) ==
SELECT metric, n, printf('%.6f', mean) AS mean, CAST(min AS INTEGER) AS min, CAST(max AS INTEGER) AS max
FROM stats WHERE metric IN ('cycle_won','cycle_lost') ORDER BY metric DESC;
SELECT metric, 'p'||pct AS pctl, n, k, frac, CAST(x_k AS INTEGER) AS x_k, CAST(x_k1 AS INTEGER) AS x_k1, printf('%.6f', value) AS value FROM pctl WHERE metric IN ('cycle_won','cycle_lost') ORDER BY metric DESC, pct;

.print == 5. Time in Engaging stage (rows with engage_date; open rows measured to 2018-01-01) ==
SELECT metric, n, printf('%.6f', mean) AS mean, CAST(min AS INTEGER) AS min, CAST(max AS INTEGER) AS max
FROM stats WHERE metric='time_in_engaging';
SELECT metric, 'p'||pct AS pctl, n, k, frac, CAST(x_k AS INTEGER) AS x_k, CAST(x_k1 AS INTEGER) AS x_k1, printf('%.6f', value) AS value FROM pctl WHERE metric='time_in_engaging' ORDER BY pct;

.print == 6. Age of open Engaging deals at 2018-01-01 ==
SELECT metric, n, printf('%.6f', mean) AS mean, CAST(min AS INTEGER) AS min, CAST(max AS INTEGER) AS max
FROM stats WHERE metric='open_engaging_age';
SELECT metric, 'p'||pct AS pctl, n, k, frac, CAST(x_k AS INTEGER) AS x_k, CAST(x_k1 AS INTEGER) AS x_k1, printf('%.6f', value) AS value FROM pctl WHERE metric='open_engaging_age' ORDER BY pct;

.print == 7. Rows per engage_date quarter ==
SELECT CASE WHEN engage_date='' THEN '(empty engage_date)'
            ELSE substr(engage_date,1,4)||'-Q'||((CAST(substr(engage_date,6,2) AS INTEGER)+2)/3) END AS quarter,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(deal_stage='Engaging') AS open_engaging, SUM(deal_stage='Prospecting') AS prospecting
FROM pipeline GROUP BY 1 ORDER BY 1;

.print == 8a. Per sales_agent ==
SELECT 'agents_in_pipeline_not_in_teams' AS check_name, COUNT(DISTINCT p.sales_agent) AS n
FROM pipeline p LEFT JOIN teams t ON t.sales_agent=p.sales_agent WHERE t.sales_agent IS NULL;
SELECT 'agents_in_teams_not_in_pipeline' AS check_name, COUNT(*) AS n, group_concat(sales_agent, '; ') AS names
FROM teams WHERE sales_agent NOT IN (SELECT sales_agent FROM pipeline);
SELECT p.sales_agent, COALESCE(t.manager,'(unmatched)') AS manager, COALESCE(t.regional_office,'(unmatched)') AS regional_office,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline p LEFT JOIN teams t ON t.sales_agent=p.sales_agent
GROUP BY p.sales_agent ORDER BY p.sales_agent;

.print == 8b. Per manager ==
SELECT COALESCE(t.manager,'(unmatched)') AS manager,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline p LEFT JOIN teams t ON t.sales_agent=p.sales_agent
GROUP BY 1 ORDER BY 1;

.print == 8c. Per regional_office ==
SELECT COALESCE(t.regional_office,'(unmatched)') AS regional_office,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline p LEFT JOIN teams t ON t.sales_agent=p.sales_agent
GROUP BY 1 ORDER BY 1;

.print == 8d. Per product (pipeline product name as-is) ==
SELECT product, COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline GROUP BY product ORDER BY product;

.print == 8e. Per account sector (empty account -> (none); non-empty unmatched -> (unmatched)) ==
SELECT 'accounts_nonempty_unmatched' AS check_name, COUNT(*) AS n, group_concat(DISTINCT p.account) AS names
FROM pipeline p LEFT JOIN accounts a ON a.account=p.account WHERE p.account<>'' AND a.account IS NULL;
SELECT 'duplicate_account_names_in_accounts' AS check_name, COUNT(*) AS n FROM (SELECT account FROM accounts GROUP BY account HAVING COUNT(*)>1);
SELECT CASE WHEN p.account='' THEN '(none)' WHEN a.account IS NULL THEN '(unmatched)' ELSE a.sector END AS sector,
       COUNT(*) AS n, SUM(deal_stage='Won') AS won, SUM(deal_stage='Lost') AS lost,
       SUM(CASE WHEN deal_stage='Won' THEN CAST(close_value AS INTEGER) ELSE 0 END) AS won_value
FROM pipeline p LEFT JOIN accounts a ON a.account=p.account
GROUP BY 1 ORDER BY 1;
SELECT 'empty_account_by_stage' AS check_name, deal_stage, COUNT(*) AS n FROM pipeline WHERE account='' GROUP BY deal_stage ORDER BY deal_stage;

.print == 8f. Product join to products.csv (exact name) ==
SELECT 'pipeline_rows_without_product_match' AS check_name, COUNT(*) AS n
FROM pipeline p LEFT JOIN products pr ON pr.product=p.product WHERE pr.product IS NULL;
SELECT p.product AS unmatched_product, COUNT(*) AS n
FROM pipeline p LEFT JOIN products pr ON pr.product=p.product WHERE pr.product IS NULL
GROUP BY p.product ORDER BY p.product;
SELECT 'products_never_referenced' AS check_name, group_concat(product, '; ') AS names
FROM products WHERE product NOT IN (SELECT product FROM pipeline);
