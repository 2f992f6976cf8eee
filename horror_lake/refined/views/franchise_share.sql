-- franchise_share: each horror franchise's share of horror's money and audience (see its .yml).

with

films as (
    select * from dim_filme
    where ingestion_date = (select max(ingestion_date) from dim_filme)
),

collections as (
    select * from dim_colecao
    where ingestion_date = (select max(ingestion_date) from dim_colecao)
),

horror_totals as (
    select
        sum(revenue_usd) as revenue_usd,
        sum(popularity) as popularity,
        sum(tmdb_vote_count) as tmdb_votes
    from films
    where title_type = 'movie'
),

ranked as (
    select
        films.*,
        row_number() over (
            partition by collection_id order by average_rating desc nulls last, title_id
        ) as rating_rank,
        row_number() over (
            partition by collection_id order by revenue_usd desc nulls last, title_id
        ) as revenue_rank
    from films
    where collection_id is not null
),

per_collection as (
    select
        collection_id,
        count(*) as horror_movies,
        sum(revenue_usd) as revenue_usd,
        sum(popularity) as popularity,
        sum(tmdb_vote_count) as tmdb_votes,
        max(case when rating_rank = 1 then primary_title end) as best_rated_title,
        max(case when rating_rank = 1 then average_rating end) as best_rating,
        max(case when revenue_rank = 1 and revenue_usd is not null then primary_title end)
            as top_grossing_title,
        max(case when revenue_rank = 1 then revenue_usd end) as top_gross_usd
    from ranked
    group by collection_id
),

final as (
    select
        collections.collection_id,
        collections.collection_name,
        per_collection.horror_movies,
        per_collection.revenue_usd,
        round(per_collection.revenue_usd / horror_totals.revenue_usd, 4) as revenue_share,
        round(per_collection.popularity / horror_totals.popularity, 4) as popularity_share,
        round(per_collection.tmdb_votes / horror_totals.tmdb_votes, 4) as tmdb_vote_share,
        per_collection.best_rated_title,
        per_collection.best_rating,
        per_collection.top_grossing_title,
        per_collection.top_gross_usd
    from collections
    inner join per_collection on collections.collection_id = per_collection.collection_id
    cross join horror_totals
)

select * from final
