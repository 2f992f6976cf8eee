-- Pairs of co-genres found together on horror titles, per title type x decade.
with

title_genres as (
    select
        fato_filme.title_id,
        fato_filme.title_type,
        fato_filme.release_decade,
        dim_genero.genre_name
    from fato_filme
    inner join dim_genero on fato_filme.genre_id = dim_genero.genre_id
    where not fato_filme.is_horror_genre
)

select
    genres_a.title_type,
    genres_a.release_decade,
    genres_a.genre_name as genre_a,
    genres_b.genre_name as genre_b,
    count(*) as titles
from title_genres as genres_a
inner join title_genres as genres_b
    on genres_a.title_id = genres_b.title_id and genres_a.genre_name <= genres_b.genre_name
group by genres_a.title_type, genres_a.release_decade, genres_a.genre_name, genres_b.genre_name
