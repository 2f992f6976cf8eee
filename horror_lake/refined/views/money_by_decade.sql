-- money_by_decade: dollars returned per dollar invested in horror, overall and per decade (see
-- its .yml).

with

films as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
        and profit_usd is not null
),

per_decade as (
    select
        release_decade,
        false as is_overall,
        count(*) as titles_with_money,
        sum(budget_usd) as total_budget_usd,
        sum(revenue_usd) as total_revenue_usd
    from films
    where release_decade is not null
    group by release_decade
),

overall as (
    select
        cast(null as int) as release_decade,
        true as is_overall,
        count(*) as titles_with_money,
        sum(budget_usd) as total_budget_usd,
        sum(revenue_usd) as total_revenue_usd
    from films
),

final as (
    select
        release_decade,
        is_overall,
        titles_with_money,
        total_budget_usd,
        total_revenue_usd,
        round(cast(total_revenue_usd as double) / total_budget_usd, 2)
            as dollars_returned_per_dollar
    from (
        select * from per_decade
        union all
        select * from overall
    ) as decades
)

select * from final
