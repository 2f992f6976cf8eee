-- fato_filme: horror titles by genre, with their metrics (see fato_filme.yml).

with

horror_titles as (
    select * from dim_filme
),

genres as (
    select genre_id, genre_name from dim_genero
),

title_genres as (
    select
        horror_titles.title_id,
        horror_titles.title_type,
        genre_name,
        horror_titles.release_year,
        horror_titles.release_decade,
        horror_titles.runtime_minutes,
        horror_titles.average_rating,
        horror_titles.vote_count,
        horror_titles.popularity,
        horror_titles.budget_usd,
        horror_titles.revenue_usd,
        horror_titles.profit_usd,
        horror_titles.roi,
        cast(size(horror_titles.genres) as int) as title_genre_count
    from horror_titles
    lateral view explode(horror_titles.genres) exploded as genre_name
),

final as (
    select
        title_genres.title_id,
        genres.genre_id,
        title_genres.title_type,
        title_genres.genre_name = 'Horror' as is_horror_genre,
        title_genres.release_year,
        title_genres.release_decade,
        title_genres.runtime_minutes,
        title_genres.average_rating,
        title_genres.vote_count,
        title_genres.popularity,
        title_genres.budget_usd,
        title_genres.revenue_usd,
        title_genres.profit_usd,
        title_genres.roi,
        title_genres.title_genre_count
    from title_genres
    left join genres on title_genres.genre_name = genres.genre_name
)

select * from final
