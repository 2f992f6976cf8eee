-- Horror titles per title type x release year (null when unknown), with the sums the page
-- averages over, and the money of the titles whose budget and revenue are both known.
select
    title_type,
    release_year,
    release_decade,
    count(*) as titles,
    count(average_rating) as rated_titles,
    sum(average_rating) as sum_rating,
    sum(vote_count) as sum_votes,
    count(popularity) as popularity_titles,
    sum(popularity) as sum_popularity,
    count(profit_usd) as money_titles,
    sum(if(profit_usd is null, null, budget_usd)) as sum_budget_usd,
    sum(if(profit_usd is null, null, revenue_usd)) as sum_revenue_usd,
    sum(revenue_usd) as sum_known_revenue_usd
from dim_filme
group by title_type, release_year, release_decade
