-- horror_by_decade: horror releases per decade, movies and series apart (see its .yml).

with

titles as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
),

final as (
    select
        release_decade,
        title_type,
        count(*) as horror_titles,
        round(avg(average_rating), 2) as average_rating,
        round(avg(runtime_minutes), 1) as average_runtime_minutes
    from titles
    where release_decade is not null
    group by release_decade, title_type
)

select * from final
