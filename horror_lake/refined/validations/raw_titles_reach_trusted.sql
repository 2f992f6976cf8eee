-- Every raw title reached trusted: for each export, the day's distinct title ids in raw against
-- the trusted titles. A title missing from trusted, or a trusted title raw never had, fails.

with

raw_movie_titles as (
    select distinct trim(id) as title_id from raw_movies where is_title_id(id)
),

raw_series_titles as (
    select distinct trim(id) as title_id from raw_series where is_title_id(id)
),

movies as (
    select
        'movies.csv' as source_file,
        count(raw_movie_titles.title_id) as raw_titles,
        count(trusted_movies.title_id) as trusted_titles,
        count_if(trusted_movies.title_id is null) as titles_missing_from_trusted,
        count_if(raw_movie_titles.title_id is null) as titles_not_in_raw
    from raw_movie_titles
    full outer join trusted_movies on raw_movie_titles.title_id = trusted_movies.title_id
),

series as (
    select
        'series.csv' as source_file,
        count(raw_series_titles.title_id) as raw_titles,
        count(trusted_series.title_id) as trusted_titles,
        count_if(trusted_series.title_id is null) as titles_missing_from_trusted,
        count_if(raw_series_titles.title_id is null) as titles_not_in_raw
    from raw_series_titles
    full outer join trusted_series on raw_series_titles.title_id = trusted_series.title_id
),

sources as (
    select * from movies
    union all
    select * from series
),

final as (
    select
        source_file,
        raw_titles,
        trusted_titles,
        titles_missing_from_trusted,
        titles_not_in_raw,
        titles_missing_from_trusted + titles_not_in_raw > 0 as failing
    from sources
)

select * from final
