-- Horror titles per title type x release year (null when unknown), with the sums the page
-- averages over.
select
    title_type,
    release_year,
    release_decade,
    count(*) as titles,
    count(average_rating) as rated_titles,
    sum(average_rating) as sum_rating,
    sum(vote_count) as sum_votes,
    count(popularity) as popularity_titles,
    sum(popularity) as sum_popularity
from dim_filme
group by title_type, release_year, release_decade
