-- Candidate titles for the lists: per title type x decade, the 10 best rated (at least 100
-- votes), the 10 most popular on TMDB, the 10 biggest money losers, the 10 most profitable and
-- the 10 best returns per dollar (budget at least :roi_min_budget_usd).
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
        roi,
        row_number() over (
            partition by title_type, release_decade
            order by if(vote_count >= 100, average_rating, null) desc nulls last, title_id
        ) as rating_rank,
        row_number() over (
            partition by title_type, release_decade order by popularity desc nulls last, title_id
        ) as popularity_rank,
        row_number() over (
            partition by title_type, release_decade order by profit_usd asc nulls last, title_id
        ) as loss_rank,
        row_number() over (
            partition by title_type, release_decade order by profit_usd desc nulls last, title_id
        ) as profit_rank,
        row_number() over (
            partition by title_type, release_decade
            order by if(budget_usd >= :roi_min_budget_usd, roi, null) desc nulls last, title_id
        ) as roi_rank
    from dim_filme
),

flagged as (
    select
        *,
        rating_rank <= 10 and vote_count >= 100 as is_top_rated,
        popularity_rank <= 10 and popularity is not null as is_most_popular,
        loss_rank <= 10 and profit_usd < 0 as is_money_loser,
        profit_rank <= 10 and profit_usd > 0 as is_most_profitable,
        roi_rank <= 10 and roi is not null and budget_usd >= :roi_min_budget_usd as is_best_roi
    from ranked
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
    roi,
    is_top_rated,
    is_most_popular,
    is_money_loser,
    is_most_profitable,
    is_best_roi
from flagged
where is_top_rated or is_most_popular or is_money_loser or is_most_profitable or is_best_roi
