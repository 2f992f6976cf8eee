-- dim_filme: the horror titles, with their TMDB figures (see dim_filme.yml).

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

tmdb_titles as (
    select * from trusted_tmdb
),

subgenre_keywords as (
    select subgenre_name, keyword
    from dim_subgenero
    lateral view explode(keywords) exploded as keyword
),

title_keywords as (
    select
        tmdb_titles.imdb_id,
        lower(trim(title_keyword)) as keyword
    from tmdb_titles
    lateral view explode(tmdb_titles.keywords) exploded as title_keyword
),

title_keyword_subgenres as (
    select
        title_keywords.imdb_id,
        array_sort(collect_set(subgenre_keywords.subgenre_name)) as keyword_subgenres
    from title_keywords
    inner join subgenre_keywords on title_keywords.keyword = subgenre_keywords.keyword
    group by title_keywords.imdb_id
),

horror_titles as (
    select
        *,
        row_number() over (partition by title_id order by title_type) as title_rank
    from titles
    where is_horror(genres)
),

first_titles as (
    select * from horror_titles where title_rank = 1
),

final as (
    select
        first_titles.title_id,
        first_titles.title_type,
        first_titles.primary_title,
        first_titles.original_title,
        first_titles.release_year,
        first_titles.end_year,
        cast(floor(first_titles.release_year / 10) as int) * 10 as release_decade,
        first_titles.runtime_minutes,
        first_titles.average_rating,
        first_titles.vote_count,
        first_titles.genres,
        filter(first_titles.genres, genre -> genre != 'Horror') as subgenres,
        tmdb_titles.tmdb_id,
        tmdb_titles.collection_id,
        tmdb_titles.popularity,
        tmdb_titles.vote_average as tmdb_vote_average,
        tmdb_titles.vote_count as tmdb_vote_count,
        tmdb_titles.budget_usd,
        tmdb_titles.revenue_usd,
        tmdb_titles.revenue_usd - tmdb_titles.budget_usd as profit_usd,
        cast(tmdb_titles.revenue_usd - tmdb_titles.budget_usd as double)
            / tmdb_titles.budget_usd as roi,
        coalesce(
            title_keyword_subgenres.keyword_subgenres, cast(array() as array<string>)
        ) as keyword_subgenres
    from first_titles
    left join tmdb_titles on first_titles.title_id = tmdb_titles.imdb_id
    left join title_keyword_subgenres
        on first_titles.title_id = title_keyword_subgenres.imdb_id
)

select * from final
