-- The 100 artists in the most horror titles, and their titles per title type x decade.
with

horror_roles as (
    select distinct trusted_artists.artist_name, dim_filme.title_id, dim_filme.title_type,
        dim_filme.release_decade
    from trusted_artists
    inner join dim_filme on trusted_artists.title_id = dim_filme.title_id
),

top_artists as (
    select artist_name
    from horror_roles
    group by artist_name
    order by count(*) desc, artist_name
    limit 100
)

select
    horror_roles.title_type,
    horror_roles.release_decade,
    horror_roles.artist_name,
    count(*) as titles
from horror_roles
inner join top_artists on horror_roles.artist_name = top_artists.artist_name
group by horror_roles.title_type, horror_roles.release_decade, horror_roles.artist_name
