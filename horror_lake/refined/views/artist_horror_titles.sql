-- artist_horror_titles: the artists of horror and in how many horror titles (see its .yml).

with

artists as (
    select * from dim_artista
    where ingestion_date = (select max(ingestion_date) from dim_artista)
),

final as (
    select
        artist_id,
        artist_name,
        birth_year,
        artist_gender,
        horror_titles,
        rank() over (order by horror_titles desc) as horror_titles_rank
    from artists
    where horror_titles > 0
)

select * from final
