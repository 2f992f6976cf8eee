-- The first five billed artists of each title the page lists (:listed_titles, the titles
-- title_list returned), for the lists' cast column: TMDB's billing first, then the CSVs' other
-- artists by name. Only those titles, so the page and the run stay small at any input size.
with

billed as (
    select
        fato_filme_artista.title_id,
        dim_artista.artist_name,
        row_number() over (
            partition by fato_filme_artista.title_id
            order by fato_filme_artista.billing_order nulls last, dim_artista.artist_name
        ) as billing_position
    from fato_filme_artista
    inner join dim_artista on fato_filme_artista.artist_id = dim_artista.artist_id
    where fato_filme_artista.title_id in (:listed_titles)
)

select title_id, billing_position, artist_name
from billed
where billing_position <= 5
