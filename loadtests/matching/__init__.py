"""The matching benchmark's parts (entry point: loadtests/bench_matching.py).

products, categories, families, barcodes: the true products and their GTINs;
stores, pos_names, marketplace: what each store sells and how its POS names it;
gen_titles, title_vocab, title_truth, title_render: the second generator (retailer titles);
drivers: the application driven through its sync API and match worker;
evaluation: the outcomes compared with the truth; report: what is printed;
harvest, training: the learned scorer's training lists (the worker's own candidates) and fit.
"""
