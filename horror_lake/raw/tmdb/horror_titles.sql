-- The day's horror titles to look up on TMDB: a title is horror when Horror is one of its
-- genres on any of its lines. An id in both files is looked up as a movie.

with

movie_titles as (
    select distinct trim(id) as imdb_id, 'movie' as kind
    from raw_movies
    where is_title_id(id) and array_contains(text_list(genero), 'Horror')
),

series_titles as (
    select distinct trim(id) as imdb_id, 'series' as kind
    from raw_series
    where is_title_id(id) and array_contains(text_list(genero), 'Horror')
),

final as (
    select imdb_id, min(kind) as kind
    from (
        select * from movie_titles
        union all
        select * from series_titles
    ) as titles
    group by imdb_id
)

select * from final order by imdb_id
