-- fato_filme_subgenero: horror titles by TMDB keyword subgenre (see fato_filme_subgenero.yml).

with

horror_titles as (
    select * from dim_filme
),

subgenres as (
    select subgenre_id, subgenre_name from dim_subgenero
),

title_subgenres as (
    select
        horror_titles.*,
        subgenre_name
    from horror_titles
    lateral view explode(horror_titles.keyword_subgenres) exploded as subgenre_name
),

final as (
    select
        title_subgenres.title_id,
        subgenres.subgenre_id,
        title_subgenres.title_type,
        title_subgenres.release_year,
        title_subgenres.release_decade,
        title_subgenres.average_rating,
        title_subgenres.vote_count,
        title_subgenres.popularity,
        title_subgenres.budget_usd,
        title_subgenres.revenue_usd,
        title_subgenres.profit_usd,
        title_subgenres.roi
    from title_subgenres
    inner join subgenres on title_subgenres.subgenre_name = subgenres.subgenre_name
)

select * from final
