-- Horror movies per TMDB collection (franchise) x decade, with their revenue and popularity, for
-- each franchise's share of horror's box office.
select
    dim_colecao.collection_id,
    dim_colecao.collection_name,
    dim_filme.title_type,
    dim_filme.release_decade,
    count(*) as movies,
    sum(dim_filme.revenue_usd) as sum_revenue_usd,
    sum(dim_filme.popularity) as sum_popularity
from dim_filme
inner join dim_colecao on dim_filme.collection_id = dim_colecao.collection_id
group by
    dim_colecao.collection_id,
    dim_colecao.collection_name,
    dim_filme.title_type,
    dim_filme.release_decade
