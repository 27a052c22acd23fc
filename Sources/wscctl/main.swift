print("wscctl")
