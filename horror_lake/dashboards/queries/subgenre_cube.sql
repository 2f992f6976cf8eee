-- Horror titles per title type x decade x TMDB keyword subgenre, with money sums over the
-- titles whose budget and revenue are both known.
select
    fato_filme_subgenero.title_type,
    fato_filme_subgenero.release_decade,
    dim_subgenero.subgenre_name,
    count(*) as titles,
    count(fato_filme_subgenero.average_rating) as rated_titles,
    sum(fato_filme_subgenero.average_rating) as sum_rating,
    sum(fato_filme_subgenero.vote_count) as sum_votes,
    count(fato_filme_subgenero.profit_usd) as money_titles,
    sum(if(fato_filme_subgenero.profit_usd is null, null, fato_filme_subgenero.budget_usd))
        as sum_budget_usd,
    sum(if(fato_filme_subgenero.profit_usd is null, null, fato_filme_subgenero.revenue_usd))
        as sum_revenue_usd,
    sum(fato_filme_subgenero.roi) as sum_roi,
    count_if(fato_filme_subgenero.profit_usd < 0) as lost_titles
from fato_filme_subgenero
inner join dim_subgenero on fato_filme_subgenero.subgenre_id = dim_subgenero.subgenre_id
group by
    fato_filme_subgenero.title_type,
    fato_filme_subgenero.release_decade,
    dim_subgenero.subgenre_name
