-- Distribution per genre: horror titles per genre counted again from trusted, against the
-- refined fact table. A title that is horror in both exports counts once, as the movie.

with

horror_movies as (
    select title_id, genres from trusted_movies where is_horror(genres)
),

horror_series as (
    select trusted_series.title_id, trusted_series.genres
    from trusted_series
    left join horror_movies on trusted_series.title_id = horror_movies.title_id
    where is_horror(trusted_series.genres) and horror_movies.title_id is null
),

trusted_genres as (
    select genre_name, count(*) as trusted_titles
    from (select * from horror_movies union all select * from horror_series) as horror_titles
    lateral view explode(genres) exploded as genre_name
    group by genre_name
),

refined_genres as (
    select dim_genero.genre_name, count(*) as refined_titles
    from fato_filme
    inner join dim_genero on fato_filme.genre_id = dim_genero.genre_id
    group by dim_genero.genre_name
),

final as (
    select
        coalesce(trusted_genres.genre_name, refined_genres.genre_name) as genre_name,
        coalesce(trusted_genres.trusted_titles, 0) as trusted_titles,
        coalesce(refined_genres.refined_titles, 0) as refined_titles,
        coalesce(trusted_genres.trusted_titles, 0)
            != coalesce(refined_genres.refined_titles, 0) as failing
    from trusted_genres
    full outer join refined_genres on trusted_genres.genre_name = refined_genres.genre_name
)

select * from final order by trusted_titles desc, genre_name
