-- dim_filme
-- Grain: one row per horror title (a movie or series whose genres include Horror), keyed by
-- the IMDb id. title_type tells movies from series; subgenres are the title's other genres.
-- If an id is both a movie and a series, the movie row is kept.

with

movies as (
    select
        title_id,
        'movie' as title_type,
        primary_title,
        original_title,
        release_year,
        cast(null as int) as end_year,
        runtime_minutes,
        genres,
        average_rating,
        vote_count
    from trusted_movies
),

series as (
    select
        title_id,
        'series' as title_type,
        primary_title,
        original_title,
        release_year,
        end_year,
        runtime_minutes,
        genres,
        average_rating,
        vote_count
    from trusted_series
),

titles as (
    select * from movies
    union all
    select * from series
),

horror_titles as (
    select
        *,
        row_number() over (partition by title_id order by title_type) as title_rank
    from titles
    where array_contains(genres, 'Horror')
),

final as (
    select
        title_id,
        title_type,
        primary_title,
        original_title,
        release_year,
        end_year,
        cast(floor(release_year / 10) as int) * 10 as release_decade,
        runtime_minutes,
        average_rating,
        vote_count,
        genres,
        filter(genres, genre -> genre != 'Horror') as subgenres
    from horror_titles
    where title_rank = 1
)

select * from final
