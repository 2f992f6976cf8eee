-- title_cast: who is in each horror title, in billing order (see its .yml).

with

films as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
),

credits as (
    select * from fato_filme_artista
    where ingestion_date = (select max(ingestion_date) from fato_filme_artista)
),

artists as (
    select * from dim_artista
    where ingestion_date = (select max(ingestion_date) from dim_artista)
),

final as (
    select
        films.title_id,
        films.primary_title,
        films.title_type,
        row_number() over (
            partition by films.title_id
            order by credits.billing_order nulls last, artists.artist_name
        ) as billing_position,
        artists.artist_id,
        artists.artist_name,
        credits.character_name,
        credits.tmdb_role,
        credits.credit_source
    from credits
    inner join films on credits.title_id = films.title_id
    inner join artists on credits.artist_id = artists.artist_id
)

select * from final
