-- title_roi_ranking: horror titles ranked by return per dollar, above a minimum budget (see its
-- .yml). :roi_min_budget_usd is a setting (HORROR_LAKE_ROI_MIN_BUDGET_USD).

with

films as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
),

final as (
    select
        rank() over (order by roi desc) as roi_rank,
        title_id,
        primary_title,
        title_type,
        release_year,
        budget_usd,
        revenue_usd,
        round(roi, 4) as roi,
        round(cast(revenue_usd as double) / budget_usd, 4) as dollars_returned_per_dollar
    from films
    where roi is not null and budget_usd >= :roi_min_budget_usd
)

select * from final
