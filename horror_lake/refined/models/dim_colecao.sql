-- dim_colecao: the TMDB collections (franchises) with horror movies (see dim_colecao.yml).

with

horror_movies as (
    select title_id from trusted_movies where is_horror(genres)
),

collection_movies as (
    select
        tmdb.collection_id,
        tmdb.collection_name,
        tmdb.imdb_id as title_id
    from trusted_tmdb as tmdb
    inner join horror_movies on tmdb.imdb_id = horror_movies.title_id
    where tmdb.collection_id is not null
),

final as (
    select
        collection_id,
        -- TMDB may rename a collection between fetches: the first name in order is kept.
        min(collection_name) as collection_name,
        count(*) as horror_movies
    from collection_movies
    group by collection_id
)

select * from final
