-- fato_filme_artista: who is in each horror title (see fato_filme_artista.yml).

with

credits as (
    select * from trusted_credits
),

horror_titles as (
    select title_id from dim_filme
),

final as (
    select
        credits.title_id,
        credits.artist_id,
        credits.character_name,
        credits.tmdb_role,
        credits.billing_order,
        credits.tmdb_person_id,
        credits.credit_source
    from credits
    inner join horror_titles on credits.title_id = horror_titles.title_id
)

select * from final
