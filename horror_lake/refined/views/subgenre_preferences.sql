-- subgenre_preferences: what audiences prefer among horror's co-genres (see its .yml).

with

facts as (
    select * from fato_filme
    where ingestion_date = (select max(ingestion_date) from fato_filme)
),

genres as (
    select * from dim_genero
    where ingestion_date = (select max(ingestion_date) from dim_genero)
),

final as (
    select
        genres.genre_name,
        genres.genre_name_pt,
        count(*) as horror_titles,
        round(avg(facts.average_rating), 2) as average_rating,
        sum(facts.vote_count) as total_votes,
        round(avg(facts.vote_count), 0) as average_votes
    from facts
    inner join genres on facts.genre_id = genres.genre_id
    where not facts.is_horror_genre
    group by genres.genre_name, genres.genre_name_pt
)

select * from final
