-- Candidate titles for the lists: per title type x decade, the 10 best rated (at least 100
-- votes), the 10 most popular on TMDB and the 10 biggest money losers.
with

ranked as (
    select
        title_id,
        title_type,
        primary_title,
        release_year,
        release_decade,
        average_rating,
        vote_count,
        popularity,
        budget_usd,
        revenue_usd,
        profit_usd,
        row_number() over (
            partition by title_type, release_decade
            order by if(vote_count >= 100, average_rating, null) desc nulls last, title_id
        ) as rating_rank,
        row_number() over (
            partition by title_type, release_decade order by popularity desc nulls last, title_id
        ) as popularity_rank,
        row_number() over (
            partition by title_type, release_decade order by profit_usd asc nulls last, title_id
        ) as loss_rank
    from dim_filme
)

select
    title_id,
    title_type,
    primary_title,
    release_year,
    release_decade,
    average_rating,
    vote_count,
    popularity,
    budget_usd,
    revenue_usd,
    profit_usd,
    rating_rank <= 10 and vote_count >= 100 as is_top_rated,
    popularity_rank <= 10 and popularity is not null as is_most_popular,
    loss_rank <= 10 and profit_usd < 0 as is_money_loser
from ranked
where (rating_rank <= 10 and vote_count >= 100)
    or (popularity_rank <= 10 and popularity is not null)
    or (loss_rank <= 10 and profit_usd < 0)
