-- Average runtime: per title type, the horror titles' average runtime in trusted against
-- dim_filme's (and their counts). Refined must carry every horror title and its runtime as is.

with

horror_movies as (
    select title_id, 'movie' as title_type, runtime_minutes
    from trusted_movies
    where is_horror(genres)
),

horror_series as (
    select trusted_series.title_id, 'series' as title_type, trusted_series.runtime_minutes
    from trusted_series
    left join horror_movies on trusted_series.title_id = horror_movies.title_id
    where is_horror(trusted_series.genres) and horror_movies.title_id is null
),

trusted_types as (
    select
        title_type,
        count(*) as trusted_titles,
        round(avg(runtime_minutes), 2) as trusted_average_runtime_minutes
    from (select * from horror_movies union all select * from horror_series) as horror_titles
    group by title_type
),

refined_types as (
    select
        title_type,
        count(*) as refined_titles,
        round(avg(runtime_minutes), 2) as refined_average_runtime_minutes
    from dim_filme
    group by title_type
),

final as (
    select
        coalesce(trusted_types.title_type, refined_types.title_type) as title_type,
        coalesce(trusted_types.trusted_titles, 0) as trusted_titles,
        coalesce(refined_types.refined_titles, 0) as refined_titles,
        trusted_types.trusted_average_runtime_minutes,
        refined_types.refined_average_runtime_minutes,
        coalesce(trusted_types.trusted_titles, 0) != coalesce(refined_types.refined_titles, 0)
        or abs(
            coalesce(trusted_types.trusted_average_runtime_minutes, -1)
            - coalesce(refined_types.refined_average_runtime_minutes, -1)
        ) > 0.01 as failing
    from trusted_types
    full outer join refined_types on trusted_types.title_type = refined_types.title_type
)

select * from final order by title_type
