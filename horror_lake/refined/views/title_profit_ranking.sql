-- title_profit_ranking: horror titles ranked by profit, the money losers last (see its .yml).

with

films as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
),

final as (
    select
        rank() over (order by profit_usd desc) as profit_rank,
        title_id,
        primary_title,
        title_type,
        release_year,
        budget_usd,
        revenue_usd,
        profit_usd,
        profit_usd < 0 as lost_money
    from films
    where profit_usd is not null
)

select * from final
