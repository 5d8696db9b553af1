-- The dashboards' fold drains queues that swing from empty to thousands of rows within seconds.
-- A plan cached while a queue was empty (a sequential scan) was kept for every later batch: each
-- batch of 500 then read the whole queue, about a second a batch for 20,000 queued rows instead
-- of 5 ms. Its statements are planned at each call, with the queues' sizes of that moment.
ALTER FUNCTION dashboard_fold(integer) SET plan_cache_mode = force_custom_plan;
