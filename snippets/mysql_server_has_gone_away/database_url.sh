export DATABASE_URL='mysql+mysqldb://app:s3cret@127.0.0.1:3306/app?charset=utf8mb4'
