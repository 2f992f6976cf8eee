-- dim_genero: the IMDb genres, with a Portuguese label (see dim_genero.yml).

with

movie_genres as (
    select genres from trusted_movies
),

series_genres as (
    select genres from trusted_series
),

title_genres as (
    select genres from movie_genres
    union all
    select genres from series_genres
),

distinct_genres as (
    select distinct genre_name
    from title_genres
    lateral view explode(genres) exploded as genre_name
),

final as (
    select
        stable_id(genre_name) as genre_id,
        genre_name,
        case genre_name
            when 'Action' then 'Ação'
            when 'Adult' then 'Adulto'
            when 'Adventure' then 'Aventura'
            when 'Animation' then 'Animação'
            when 'Biography' then 'Biografia'
            when 'Comedy' then 'Comédia'
            when 'Documentary' then 'Documentário'
            when 'Family' then 'Família'
            when 'Fantasy' then 'Fantasia'
            when 'History' then 'História'
            when 'Horror' then 'Terror'
            when 'Music' then 'Música'
            when 'Mystery' then 'Mistério'
            when 'News' then 'Notícias'
            when 'Sci-Fi' then 'Ficção científica'
            when 'Short' then 'Curta-metragem'
            when 'Sport' then 'Esporte'
            when 'Thriller' then 'Suspense'
            when 'War' then 'Guerra'
            when 'Western' then 'Faroeste'
            else genre_name
        end as genre_name_pt,
        genre_name = 'Horror' as is_horror
    from distinct_genres
)

select * from final
