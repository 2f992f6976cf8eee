-- Horror titles per title type x decade x co-genre (Horror itself left out).
select
    fato_filme.title_type,
    fato_filme.release_decade,
    dim_genero.genre_name,
    count(*) as titles,
    count(fato_filme.average_rating) as rated_titles,
    sum(fato_filme.average_rating) as sum_rating,
    sum(fato_filme.vote_count) as sum_votes
from fato_filme
inner join dim_genero on fato_filme.genre_id = dim_genero.genre_id
where not fato_filme.is_horror_genre
group by fato_filme.title_type, fato_filme.release_decade, dim_genero.genre_name
