-- subgenre_money: ratings and money per TMDB keyword subgenre (see its .yml).

with

facts as (
    select * from fato_filme_subgenero
    where ingestion_date = (select max(ingestion_date) from fato_filme_subgenero)
),

subgenres as (
    select * from dim_subgenero
    where ingestion_date = (select max(ingestion_date) from dim_subgenero)
),

final as (
    select
        subgenres.subgenre_name,
        subgenres.subgenre_name_pt,
        count(*) as horror_titles,
        round(avg(facts.average_rating), 2) as average_rating,
        round(avg(facts.popularity), 2) as average_popularity,
        count(facts.profit_usd) as titles_with_money,
        sum(facts.budget_usd) filter (where facts.profit_usd is not null) as total_budget_usd,
        sum(facts.revenue_usd) filter (where facts.profit_usd is not null) as total_revenue_usd,
        round(
            cast(sum(facts.revenue_usd) filter (where facts.profit_usd is not null) as double)
            / sum(facts.budget_usd) filter (where facts.profit_usd is not null),
            2
        ) as dollars_returned_per_dollar,
        count_if(facts.profit_usd < 0) as titles_that_lost_money
    from facts
    inner join subgenres on facts.subgenre_id = subgenres.subgenre_id
    group by subgenres.subgenre_name, subgenres.subgenre_name_pt
)

select * from final
